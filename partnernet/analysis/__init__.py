"""Pure analyses: graphs and Datasets in, DataFrames and findings out. No file I/O."""

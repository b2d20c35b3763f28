// Every board as a row of boards.csv,
// in the order the rows were loaded (row_index), then by id.
// Parameters: none.
MATCH (b:Board)
RETURN b.id AS id,
       b.name AS name,
       b.convener_id AS convener_id,
       b.level AS level,
       b.theme AS theme
ORDER BY b.row_index, id

// Create or update organisations by id; a null value removes the property.
// parent_id is not a property: it is the PART_OF relationship (merge_part_of).
// Parameters:
//   $rows  list of maps {id, name, type, size_band, income, locality, tags,
//          row_index} (tags: list of strings or null; row_index: the row's
//          position in organisations.csv, so reading back keeps the file's order)
UNWIND $rows AS row
MERGE (o:Organisation {id: row.id})
SET o.name = row.name,
    o.type = row.type,
    o.size_band = row.size_band,
    o.income = row.income,
    o.locality = row.locality,
    o.tags = row.tags,
    o.row_index = row.row_index
RETURN count(o) AS written

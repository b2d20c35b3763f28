// Every board as a row of boards.csv.
// Parameters: none.
MATCH (b:Board)
RETURN b.id AS id,
       b.name AS name,
       b.convener_id AS convener_id,
       b.level AS level,
       b.theme AS theme
ORDER BY id

// Every FUNDS as a row of funding.csv,
// in the order the rows were loaded (row_index), then by id.
// Parameters: none.
MATCH (funder:Organisation)-[f:FUNDS]->(recipient:Organisation)
RETURN f.id AS id,
       funder.id AS funder_id,
       recipient.id AS recipient_id,
       f.amount AS amount,
       f.award_date AS award_date,
       f.currency AS currency,
       f.duration_months AS duration_months,
       f.kind AS kind,
       f.restricted AS restricted,
       f.programme AS programme
ORDER BY f.row_index, id

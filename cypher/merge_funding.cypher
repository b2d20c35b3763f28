// One FUNDS (funder -> recipient) per funding row, merged on the funding id. A FUNDS
// with this id between other organisations (a corrected funder or recipient) is
// deleted first, so reloading never trips the uniqueness constraint.
// Parameters:
//   $rows  list of maps {id, funder_id, recipient_id, amount, award_date, currency,
//          duration_months, kind, restricted, programme, row_index} (award_date: a
//          date; row_index: position in funding.csv)
UNWIND $rows AS row
MATCH (funder:Organisation {id: row.funder_id})
MATCH (recipient:Organisation {id: row.recipient_id})
OPTIONAL MATCH (:Organisation)-[moved:FUNDS {id: row.id}]->(:Organisation)
WHERE startNode(moved) <> funder OR endNode(moved) <> recipient
DELETE moved
WITH DISTINCT row, funder, recipient
MERGE (funder)-[f:FUNDS {id: row.id}]->(recipient)
SET f.amount = row.amount,
    f.award_date = row.award_date,
    f.currency = row.currency,
    f.duration_months = row.duration_months,
    f.kind = row.kind,
    f.restricted = row.restricted,
    f.programme = row.programme,
    f.row_index = row.row_index
RETURN count(f) AS written

-- How a round's optimal assignment stands: the gap between its objective and the search's bound
-- (0 when proven optimal, more when the search's budget ran out first) and the branch-and-bound
-- nodes it took. Empty before an assignment, and for draws.
ALTER TABLE review_rounds ADD COLUMN assign_gap DOUBLE PRECISION;
ALTER TABLE review_rounds ADD COLUMN assign_nodes BIGINT;

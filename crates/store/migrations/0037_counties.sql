-- A park lies in a zone (its place in the tree, `parent_id`) and may lie in an administrative
-- county or district as well. No foreign key: a backup restores units in id order, and a county
-- may be newer than its parks, so the store checks that the county exists and is one.
ALTER TABLE org_units ADD COLUMN county_id BIGINT;
CREATE INDEX org_units_county ON org_units(county_id);

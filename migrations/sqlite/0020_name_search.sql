-- Name filters ("part of the end customer's / reseller's / organisation's name") find their
-- rows through an index instead of reading every name: a trigram full-text index per table,
-- kept in step by triggers. The lists then filter their rows by the ids found.
CREATE VIRTUAL TABLE end_customer_names USING fts5(
    name, content = 'end_customers', content_rowid = 'id', tokenize = 'trigram'
);
INSERT INTO end_customer_names (end_customer_names) VALUES ('rebuild');
CREATE TRIGGER end_customer_names_insert AFTER INSERT ON end_customers BEGIN
    INSERT INTO end_customer_names (rowid, name) VALUES (new.id, new.name);
END;
CREATE TRIGGER end_customer_names_delete AFTER DELETE ON end_customers BEGIN
    INSERT INTO end_customer_names (end_customer_names, rowid, name) VALUES ('delete', old.id, old.name);
END;
CREATE TRIGGER end_customer_names_update AFTER UPDATE OF name ON end_customers BEGIN
    INSERT INTO end_customer_names (end_customer_names, rowid, name) VALUES ('delete', old.id, old.name);
    INSERT INTO end_customer_names (rowid, name) VALUES (new.id, new.name);
END;

CREATE VIRTUAL TABLE organisation_names USING fts5(
    name, content = 'organisations', content_rowid = 'id', tokenize = 'trigram'
);
INSERT INTO organisation_names (organisation_names) VALUES ('rebuild');
CREATE TRIGGER organisation_names_insert AFTER INSERT ON organisations BEGIN
    INSERT INTO organisation_names (rowid, name) VALUES (new.id, new.name);
END;
CREATE TRIGGER organisation_names_delete AFTER DELETE ON organisations BEGIN
    INSERT INTO organisation_names (organisation_names, rowid, name) VALUES ('delete', old.id, old.name);
END;
CREATE TRIGGER organisation_names_update AFTER UPDATE OF name ON organisations BEGIN
    INSERT INTO organisation_names (organisation_names, rowid, name) VALUES ('delete', old.id, old.name);
    INSERT INTO organisation_names (rowid, name) VALUES (new.id, new.name);
END;

-- The lead list filtered by status, most recently active first, reads this index in order.
CREATE INDEX leads_status_activity ON leads (status, last_activity_on, id);

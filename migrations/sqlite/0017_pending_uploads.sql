-- An import file checked by its dry run is held here, under a random token, until the person
-- who checked it imports it (or an hour has passed): the preview page carries the token, not
-- the whole file, and any portal process can finish the import.
CREATE TABLE pending_uploads (
    token      TEXT   PRIMARY KEY,
    kind       TEXT   NOT NULL,
    user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    body       TEXT   NOT NULL
);
CREATE INDEX pending_uploads_created ON pending_uploads (created_at);

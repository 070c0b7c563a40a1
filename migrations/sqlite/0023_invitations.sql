-- People are invited, not handed passwords (issue 19). An organisation admin (or the vendor
-- admin for a new organisation's first admin) adds a person; the person gets a single-use
-- link, valid 7 days, and chooses their own password. Until then the account is disabled
-- and its password empty, so nobody can sign in with it and no business notice reaches it.
--
-- password_state: 'set' (chosen by the person), 'invited' (no password yet), 'change'
-- (chosen by an admin before this change: the person must choose a new one when signing in).
ALTER TABLE users ADD COLUMN password_state TEXT NOT NULL DEFAULT 'set'
    CHECK (password_state IN ('set', 'invited', 'change'));

-- Only the SHA-256 of a link's token is kept. A link is spent when used, and withdrawn when
-- the admin revokes it or sends a new one.
CREATE TABLE invitations (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id     BIGINT  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash  TEXT    NOT NULL UNIQUE,
    invited_by  BIGINT  NULL REFERENCES users (id) ON DELETE SET NULL,
    created_at  BIGINT  NOT NULL,
    expires_at  BIGINT  NOT NULL,
    used_at     BIGINT  NULL,
    revoked_at  BIGINT  NULL
);
CREATE INDEX invitations_user ON invitations (user_id, id);

-- People whose password an admin typed (on the user form, or as a new organisation's first
-- admin) and who have not chosen their own since.
UPDATE users SET password_state = 'change'
WHERE (EXISTS (SELECT 1 FROM audit_log a WHERE a.action = 'user_created' AND a.subject = users.email)
       OR EXISTS (SELECT 1 FROM audit_log a WHERE a.action = 'organisation_created'
                  AND a.detail LIKE '%; admin ' || users.email))
  AND NOT EXISTS (SELECT 1 FROM audit_log a WHERE a.action = 'password_changed'
                  AND a.actor_user_id = users.id);

-- A new organisation's notices while its only admin is still invited (its NFR allotment,
-- say) wait for that person: the invitation is their first mail, and these follow once
-- they have chosen a password. NULL for every other message.
ALTER TABLE outbox ADD COLUMN held_for BIGINT NULL REFERENCES users (id) ON DELETE CASCADE;

-- The account page lists a person's signed-in sessions and ends any of them: each session
-- gets a public handle (the id itself is a secret and never shown), and the address and
-- browser it was signed in from. Sessions from before have none (they are listed as unknown).
ALTER TABLE sessions ADD COLUMN handle TEXT NULL;
ALTER TABLE sessions ADD COLUMN ip TEXT NULL;
ALTER TABLE sessions ADD COLUMN user_agent TEXT NULL;

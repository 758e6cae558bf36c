-- +goose Up
-- The staff-training simulator (docs/training.md). A case is a sandboxed,
-- anonymised copy of a past hand-off (body: concierge.TrainingCase as
-- JSON); nothing here refers to a customer's chat, order or refund except
-- source, the conversation it was copied from, for the supervisor's list.
CREATE TABLE training_cases (
    id         INTEGER PRIMARY KEY,
    bot        TEXT    NOT NULL,
    source     INTEGER NOT NULL,
    kind       TEXT    NOT NULL,
    body       TEXT    NOT NULL,
    created_by TEXT    NOT NULL,
    created_at INTEGER NOT NULL
);

-- One trainee's run of a case. trainee is the inbox person's name (a
-- person removed from the inbox keeps their report). score is
-- concierge.TrainingScore as JSON once finished.
CREATE TABLE training_sessions (
    id              INTEGER PRIMARY KEY,
    case_id         INTEGER NOT NULL REFERENCES training_cases (id),
    trainee         TEXT    NOT NULL,
    assigned_by     TEXT    NOT NULL,
    status          TEXT    NOT NULL DEFAULT 'assigned',
    next_line       INTEGER NOT NULL DEFAULT 0,
    assigned_at     INTEGER NOT NULL,
    started_at      INTEGER NOT NULL DEFAULT 0,
    first_answer_at INTEGER NOT NULL DEFAULT 0,
    finished_at     INTEGER NOT NULL DEFAULT 0,
    decision        TEXT    NOT NULL DEFAULT '',
    decided_minor   INTEGER NOT NULL DEFAULT 0,
    decided_currency TEXT   NOT NULL DEFAULT '',
    decision_note   TEXT    NOT NULL DEFAULT '',
    score           TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX training_sessions_trainee ON training_sessions (trainee, id);

-- The messages of a session: the simulated customer's, the trainee's, and
-- the lines shown for context. They never enter messages or the outbox.
CREATE TABLE training_messages (
    session_id INTEGER NOT NULL REFERENCES training_sessions (id),
    seq        INTEGER NOT NULL,
    role       TEXT    NOT NULL,
    text       TEXT    NOT NULL,
    at         INTEGER NOT NULL,
    PRIMARY KEY (session_id, seq)
);

-- +goose Down
DROP TABLE training_messages;
DROP TABLE training_sessions;
DROP TABLE training_cases;

-- +goose Up
-- A hand-off's reason is one of a closed set of words the code decides on
-- (concierge.HandoffReason); the free text people write beside it has a
-- column of its own. Until now a supervisor's assignment stored both in
-- reason ("assigned to dan (was bob): why"): those rows become reason
-- 'assigned' with the rest, "to dan (was bob): why", as their note, which
-- the inbox shows as it showed the reason.
ALTER TABLE handoffs ADD COLUMN note TEXT NOT NULL DEFAULT '';
UPDATE handoffs SET note = substr(reason, 10), reason = 'assigned'
    WHERE substr(reason, 1, 12) = 'assigned to ';

-- +goose Down
UPDATE handoffs SET reason = reason || ' ' || note WHERE reason = 'assigned' AND note <> '';
ALTER TABLE handoffs DROP COLUMN note;

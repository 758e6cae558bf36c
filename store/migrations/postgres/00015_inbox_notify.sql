-- +goose Up
-- The inbox's live stream wakes on NOTIFY inbox instead of polling. The
-- triggers send it from the transaction that writes what the inbox shows
-- (store.InboxVersion's sources), whichever code path writes it, and
-- PostgreSQL delivers it only once that transaction commits. The payload
-- is the schema, so that servers sharing a database in different schemas
-- wake only for their own changes.
-- +goose StatementBegin
CREATE FUNCTION inbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('inbox', current_schema());
    RETURN NULL;
END
$$;
-- +goose StatementEnd

-- A message matters only in a conversation in people's hands: one
-- primary-key read per message written.
-- +goose StatementBegin
CREATE FUNCTION inbox_notify_message() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM conversations WHERE id = NEW.conversation_id AND state IN ('waiting', 'human')) THEN
        PERFORM pg_notify('inbox', current_schema());
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

CREATE TRIGGER handoffs_inbox_notify AFTER INSERT ON handoffs
    FOR EACH STATEMENT EXECUTE FUNCTION inbox_notify();
CREATE TRIGGER inbox_notes_inbox_notify AFTER INSERT ON inbox_notes
    FOR EACH STATEMENT EXECUTE FUNCTION inbox_notify();
CREATE TRIGGER proposals_inbox_notify AFTER INSERT OR UPDATE ON proposals
    FOR EACH STATEMENT EXECUTE FUNCTION inbox_notify();
CREATE TRIGGER inbox_assignments_inbox_notify AFTER INSERT OR UPDATE OR DELETE ON inbox_assignments
    FOR EACH STATEMENT EXECUTE FUNCTION inbox_notify();
CREATE TRIGGER messages_inbox_notify AFTER INSERT OR UPDATE OF status ON messages
    FOR EACH ROW EXECUTE FUNCTION inbox_notify_message();

-- +goose Down
DROP TRIGGER messages_inbox_notify ON messages;
DROP TRIGGER inbox_assignments_inbox_notify ON inbox_assignments;
DROP TRIGGER proposals_inbox_notify ON proposals;
DROP TRIGGER inbox_notes_inbox_notify ON inbox_notes;
DROP TRIGGER handoffs_inbox_notify ON handoffs;
DROP FUNCTION inbox_notify_message();
DROP FUNCTION inbox_notify();

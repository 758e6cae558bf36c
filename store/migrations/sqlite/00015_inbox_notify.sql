-- +goose Up
-- PostgreSQL's 00015 adds NOTIFY triggers for the inbox's live stream.
-- SQLite has no NOTIFY (and one process): its stream keeps polling. This
-- migration keeps the two numberings in step.
SELECT 1;

-- +goose Down
SELECT 1;

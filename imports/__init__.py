"""Recipient, institution and beneficiary lists in and out, as CSV and Excel.

Reading: `sources` opens what Excel wrote (by content, any usual encoding and
delimiter); `cells` and `words` read single cells; `columns` and `lists` define
every list's columns once.

Checking (the preview, which writes nothing): `planning` is the row loop;
`recipients` (with `recipient_review`), `matching`, `programs` and `places`
plan a recipient or institution list, `beneficiaries` a beneficiary list;
`report` is what the operator sees.

Writing (all or nothing, in one transaction): `writer` with `sinks` (COPY on
PostgreSQL, bulk_create elsewhere) and `streaming` (rows written while the
file is still read); `batches` is the preview-then-confirm service.

Out: `exports` (lists and templates); `resources` (the admin's import-export);
`command` and `bench` behind the management commands; `samples` for benchmarks.
"""

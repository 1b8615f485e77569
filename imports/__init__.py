"""Recipient, institution and beneficiary lists in and out, as CSV and Excel.

Reading: `sources` opens what Excel wrote (by content, any usual encoding and
delimiter), behind the guards of `limits` (inflated size, XML declarations,
cell size, column count); `cells` and `words` read single cells; `columns`
and `lists` define every list's columns once.

Planning (the preview, which writes nothing): `planning` is the row loop;
`recipients` (with `recipient_review`), `matching`, `programs` and `places`
plan a recipient or institution list, `beneficiaries` a beneficiary list;
what a plan creates waits in a temporary file (`scratch`); `report` is what
the operator sees.

Writing (all or nothing, in one transaction, after every check): `writer`,
with COPY on PostgreSQL (`common.bulk`); `batches` is the service behind the
page and the commands: preview, re-check, confirm, import. `retention`
deletes the files of previews never confirmed.

Out: `exports` (lists and templates); `resources` (the admin's import-export).
"""

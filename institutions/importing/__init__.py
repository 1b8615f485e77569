"""Recipient, institution and beneficiary lists in and out, as CSV and Excel.

`columns` defines every column once; `sources` opens what Excel wrote;
`recipients` and `beneficiaries` check and match the rows (the preview);
`writer` stores a checked plan in bulk; `batches` ties them into the
preview-then-confirm service; `exports` writes lists and templates back out.
"""

// tests added below

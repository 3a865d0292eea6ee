"""Mass delete: planned, approved, audited and undoable removal of a tenant's bounce records,
run by the Step Functions workflow that infra/constructs/mass_delete.py defines."""

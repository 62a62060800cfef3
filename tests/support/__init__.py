"""What the tests share besides fixtures (those stay in the conftests, which use these):
desks driven by the command line, records put in the sandbox, child processes, call watches,
database copies, and the OAuth connection helpers."""

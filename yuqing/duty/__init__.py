"""The duty desk: what needs the officer now (`todo`) and the end of a shift (`handover`)."""

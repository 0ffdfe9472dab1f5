"""The instructor's side: reviewing submissions for tampering (and, later, batch grading)."""

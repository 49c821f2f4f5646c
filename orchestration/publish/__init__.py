"""Publishing: the snapshot file analysts and Evidence read, and the static site."""

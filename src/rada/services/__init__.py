"""Use cases over a unit of work: what people do in councils, and the ports they need."""

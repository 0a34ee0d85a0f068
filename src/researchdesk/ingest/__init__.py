"""Getting documents into the library: readers per format, metadata, segmenting, the ingest pipeline."""

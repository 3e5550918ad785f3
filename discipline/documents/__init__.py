"""PDF documents of the discipline app (《违规整改通知书》)."""

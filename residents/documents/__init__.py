"""PDF documents of the residents app (agreement, archive), rendered with opc_community.core.documents."""

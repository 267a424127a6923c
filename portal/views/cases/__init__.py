"""The portal's case pages: home and my cases (`lists`), the case page and its actions
(`record`), and submitting (`submit`: the catalog, products, services and "Get help")."""

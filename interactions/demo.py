def seed_interactions_demo() -> int:
    return 0

import types

import immuno


def test_all_is_sorted_and_complete() -> None:
    assert immuno.__all__ == sorted(immuno.__all__)
    public = {
        name
        for name in dir(immuno)
        if not name.startswith("_") and not isinstance(getattr(immuno, name), types.ModuleType)
    }
    assert public - set(immuno.__all__) == set()
    for name in immuno.__all__:
        assert hasattr(immuno, name), name

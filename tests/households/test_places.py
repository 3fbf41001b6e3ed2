"""The places a batch of registrations names: loaded once, an impossible id not found."""

from __future__ import annotations

from transfers.households.validation import MAX_ID, Places


def test_places_found_by_id_and_impossible_ids_name_nothing(db, geo):
    village, site = geo["411221100201"], geo.site
    places = Places()  # nothing loaded up front: each is read when first asked for
    assert places.jurisdiction(village.id) is village
    assert places.site(site.id) is site
    for impossible in (None, 0, -1, MAX_ID + 1):
        assert places.jurisdiction(impossible) is None
        assert places.site(impossible) is None
    assert places.jurisdiction(MAX_ID) is None and places.site(MAX_ID) is None  # no such row
    assert set(places.jurisdictions) == {village.id, MAX_ID}
    assert set(places.sites) == {site.id, MAX_ID}

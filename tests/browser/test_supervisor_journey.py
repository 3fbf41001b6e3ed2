"""Supervisor journey on the demo county: the overdue dashboard with its charts, a bar
clicked to drill down to the overdue list and a case, the ledgers, the monthly summary."""

from __future__ import annotations

import re

from tests.browser.conftest import shot
from tests.browser.journeys import check_widths, login


def test_county_supervisor_dashboard_charts_drill_down_ledgers_summary(live_server, page, demo):
    base = live_server
    login(page, base, "mianchi_lead")
    page.get_by_role("link", name="超期督办").first.click()
    page.wait_for_selector(".dash-chart[data-drawn] svg")
    assert page.locator(".dash-chart[data-drawn]").count() == 3
    for chart in page.locator(".dash-chart").all():
        assert chart.locator("svg").count() == 1
        assert chart.locator("svg path").count() > 3  # bars/lines drawn, not an empty frame
    total = int(page.locator("#overdue-total").inner_text())
    assert total > 0
    # the data tables behind the charts (screen readers, keyboard, print)
    rows = page.locator("#chart-by-procedure tbody tr")
    assert rows.count() >= 3
    shot(page, "30-supervisor-dashboard-charts")

    # click the first red (overdue) bar of the procedure chart: the filtered overdue list
    procedure_chart = page.locator(".dash-chart").nth(0)
    procedure_chart.locator("path[fill='#c0392b']").first.click()
    page.wait_for_url(re.compile(r"procedure=\w+"))
    filtered = int(page.locator("#overdue-total").inner_text())
    assert 0 < filtered <= total
    shot(page, "31-supervisor-drill-down-procedure")

    # by jurisdiction: a township bar opens the township's dashboard (breadcrumb)
    page.goto(base + "/supervision/")
    page.locator(".dash-chart").nth(1).locator("path[fill='#5b7fb5']").first.click()
    page.wait_for_url(re.compile(r"node=\d+"))
    assert page.locator("nav[aria-label='辖区层级'] .breadcrumb-item").count() == 2

    # drill down to a case from the overdue list
    page.goto(base + "/supervision/")
    page.locator("#overdue-rows").get_by_role("link", name="查看").first.click()
    page.wait_for_url(re.compile(r"/cases/\d+$"))
    assert "超期" in page.content()
    shot(page, "32-supervisor-case")

    page.goto(base + "/supervision/")
    page.get_by_role("link", name="工作台账").click()
    page.wait_for_url(re.compile(r"/supervision/ledgers/work"))
    assert page.locator("table tbody tr").count() > 0
    shot(page, "33-work-ledger")
    page.get_by_role("link", name="问题台账").click()
    page.wait_for_url(re.compile(r"/supervision/ledgers/problems"))
    assert page.locator("table tbody tr").count() > 0
    page.get_by_role("link", name="月度/季度统计").click()
    page.wait_for_url(re.compile(r"/supervision/summary"))
    assert "按时办结率" in page.content()
    shot(page, "34-monthly-summary")

    check_widths(
        page,
        {
            "dashboard": base + "/supervision/",
            "work-ledger": base + "/supervision/ledgers/work",
            "problems": base + "/supervision/ledgers/problems",
            "summary": base + "/supervision/summary",
        },
        "35-supervisor",
    )

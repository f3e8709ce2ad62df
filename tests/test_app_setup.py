"""The app under a threaded server: the first requests arrive together (gunicorn gthread)."""

import threading

import pytest

SCRIPTS = ["/_dash-component-suites/dash/dcc/dash_core_components.js",
           "/_dash-component-suites/dash/html/dash_html_components.min.js",
           "/_dash-component-suites/dash/deps/react-dom@18.3.1.min.js",
           "/_dash-component-suites/dash_ag_grid/dash_ag_grid.min.js"]


@pytest.mark.parametrize("attempt", range(3))
def test_first_requests_together_all_get_their_scripts(demo_warehouse, monkeypatch, attempt):
    from dashboard.factory import create_app

    monkeypatch.setenv("OUTCOMES_WAREHOUSE", str(demo_warehouse))
    app = create_app(warm_exports=False, auth="none")
    start = threading.Barrier(16)
    codes: list[int] = []

    def fetch(path):
        client = app.server.test_client()
        start.wait()
        codes.append(client.get(path, environ_base={"REMOTE_ADDR": "127.0.0.1"}).status_code)

    threads = [threading.Thread(target=fetch, args=(SCRIPTS[i % len(SCRIPTS)],))
               for i in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert codes == [200] * 16

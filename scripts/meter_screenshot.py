"""Take docs/img/cost-meter.png: the cost meter (``lab.cost()``, the ``CostMeter`` panel)
of a lab holding an EKS cluster, a nodegroup, a Fargate task and a NAT gateway, two
simulated hours in, drawn by the system Chromium (Playwright drives it; no browser download).

    python scripts/meter_screenshot.py [out.png]
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def meter_html() -> str:
    from awscontainers import Lab

    with Lab(budget_usd=0.5) as lab:
        lab.eks.create_cluster(name="demo")
        lab.eks.create_nodegroup(clusterName="demo", nodegroupName="ng")
        lab.ecs.create_cluster(clusterName="web")
        lab.ecs.register_task_definition(
            family="app",
            requiresCompatibilities=["FARGATE"],
            networkMode="awsvpc",
            cpu="512",
            memory="1024",
            containerDefinitions=[{"name": "app", "image": "nginx"}],
        )
        lab.ecs.run_task(
            cluster="web",
            taskDefinition="app",
            launchType="FARGATE",
            networkConfiguration={"awsvpcConfiguration": {"subnets": lab.network().subnet_ids}},
        )
        lab.add_private_egress("nat")
        lab.advance(hours=2)
        return lab.cost()._repr_html_()


def main(out: Path) -> None:
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        raise SystemExit("Debian's chromium is not installed (apt-get install chromium).")
    page_html = (
        "<!doctype html><html><body style='margin:12px;background:white'>"
        f"{meter_html()}</body></html>"
    )
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "meter.html"
        source.write_text(page_html)
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=chromium, args=["--no-sandbox", "--disable-gpu"]
            )
            page = browser.new_page(viewport={"width": 900, "height": 400})
            page.goto(source.as_uri())
            out.parent.mkdir(parents=True, exist_ok=True)
            page.locator(".awsc-meter").screenshot(path=str(out))
            browser.close()
    print(f"wrote {out}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "img" / "cost-meter.png")

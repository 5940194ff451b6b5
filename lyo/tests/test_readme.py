"""The README a newcomer reads first: what Lyo is, the two commands, and links that lead somewhere."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text()


def test_the_readme_opens_with_what_lyo_is_then_the_two_commands():
    title, intro, commands = README.split("\n\n", 3)[:3]
    assert title == "# Lyo"
    assert intro.startswith("Lyo is a booking assistant for restaurants and salons")
    assert len(intro.splitlines()) <= 4
    lines = commands.splitlines()
    assert (lines[0], lines[-1]) == ("```sh", "```")
    assert [line.split("#")[0].strip() for line in lines[1:-1]] == ["make run", "make test"]


def test_the_first_hour_has_its_five_steps_in_order():
    section = README.split("## Your first hour with Lyo", 1)[1].split("\n## ", 1)[0]
    steps = re.findall(r"^\*\*(\d)\. ([^*]+)\*\*", section, re.M)
    assert steps == [
        ("1", "Run the demo."), ("2", "Chat on the try page."), ("3", "Onboard your own business from a YAML file."),
        ("4", "Connect a WhatsApp number."), ("5", "Go live."),
    ]


def test_every_local_link_of_the_readme_and_docs_exists():
    for page in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        for target in re.findall(r"\]\(([^)#]+)\)", page.read_text()):
            if "://" not in target:
                assert (page.parent / target).exists(), f"{page.name}: {target}"

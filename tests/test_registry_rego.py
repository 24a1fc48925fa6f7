"""Rego as OPA users write it. Each case holds the result OPA documents for the policy and
input (OPA's policy reference pages, its keyword examples, Go's fmt verbs for ``sprintf``);
no OPA binary runs here, so the expected values are written into the tests."""

import json
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from registry import policy, services

ARTICLE = Path(__file__).resolve().parent / "registry_article"


def deny(modules, doc):
    compiled = policy.RegoModules(modules)
    compiled.set_input(json.dumps(doc))
    return {message for package in compiled.packages for message in compiled.query(package)}


def test_not_on_a_missing_key_holds():
    # OPA's `not` keyword page: "missing email" when only e_mail is set; age 20 passes.
    module = (
        "package play\n\n"
        'deny contains "missing email" if not input.email\n\n'
        'deny contains "under 18" if input.age < 18\n'
    )
    assert deny([("p.rego", module)], {"e_mail": "oops@example.com", "age": 20}) == {
        "missing email"
    }


def test_not_negates_membership_calls_and_missing_flags():
    # The same page's second example: an intern on another domain with via_vpn (not is_vpn).
    module = (
        "package play\n\n"
        'deny contains "must be staff" if {\n\tnot "staff" in input.roles\n}\n\n'
        'deny contains "must be example.com account" if {\n'
        '\tnot endswith(input.email, "@example.com")\n}\n\n'
        'deny contains "cannot be accesed over VPN" if {\n\tnot input.is_vpn\n}\n'
    )
    doc = {"roles": ["intern"], "email": "alice@foo.example.com", "via_vpn": True}
    assert deny([("p.rego", module)], doc) == {
        "must be staff",
        "must be example.com account",
        "cannot be accesed over VPN",
    }


def test_not_does_not_fire_on_a_value_that_is_present():
    # In OPA only undefined and false satisfy `not`; null and "" are values.
    module = 'package p\n\ndeny contains "no date" if not input.governance.last_reviewed\n'
    rules = [("p.rego", module)]
    assert deny(rules, {"governance": {}}) == {"no date"}
    assert deny(rules, {"governance": {"last_reviewed": False}}) == {"no date"}
    assert deny(rules, {"governance": {"last_reviewed": None}}) == set()
    assert deny(rules, {"governance": {"last_reviewed": "2026-01-15"}}) == set()


def test_sprintf_formats_q_and_v_as_go_does():
    # OPA's sprintf uses Go's fmt: %q quotes a string, %v prints a value, %% is a percent.
    module = (
        "package p\n\n"
        "deny contains msg if {\n"
        '\tmsg := sprintf("model %q: %v, %v, %v, %d%%", '
        "[input.id, input.tags, input.pinned, input.meta, input.share])\n"
        "}\n"
    )
    doc = {"id": 'say "hi"', "tags": ["a", "b"], "pinned": True, "meta": {"k": 1}, "share": 40}
    assert deny([("p.rego", module)], doc) == {
        'model "say \\"hi\\"": ["a", "b"], true, {"k": 1}, 40%'
    }


def test_sprintf_inside_strings_and_comments_is_left_alone():
    module = (
        "package p\n\n"
        '# sprintf("%q", [x]) in a comment\n'
        'deny contains "sprintf(\\"%q\\") stays literal" if true\n'
    )
    assert deny([("p.rego", module)], {}) == {'sprintf("%q") stays literal'}


def test_cheat_sheet_multi_value_rule_with_v():
    # The cheat sheet's multi-value set rule: one path per team, formatted with %v.
    module = (
        "package cheat\n\n"
        'deny contains "/handbook/*"\n\n'
        "deny contains path if {\n"
        "\tsome team in input.user.teams\n"
        '\tpath := sprintf("/teams/%v/*", [team])\n'
        "}\n"
    )
    doc = {"user": {"teams": ["ops", "eng"]}}
    assert deny([("c.rego", module)], doc) == {"/handbook/*", "/teams/ops/*", "/teams/eng/*"}


def test_a_package_split_over_two_files_is_one_rule_set(tmp_path):
    # `opa eval -d policies/` loads every module; rules of one package merge.
    (tmp_path / "pii.rego").write_text(
        'package ai.model_registry\n\ndeny contains "pii" if input.pii\n'
    )
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "tier.rego").write_text(
        'package ai.model_registry\n\ndeny contains "tier" if input.tier == "high"\n'
    )
    rules = policy.policy_set(folder=tmp_path, with_records=False)
    denials = rules.evaluate({"pii": True, "tier": "high"})
    assert {(d.rule, d.message) for d in denials} == {
        ("file:pii.rego+tier.rego", "pii"),
        ("file:pii.rego+tier.rego", "tier"),
    }


def test_modules_refer_to_each_other_across_files(tmp_path):
    (tmp_path / "lib.rego").write_text('package lib\n\nproduction if input.stage == "production"\n')
    (tmp_path / "main.rego").write_text(
        'package main\n\nimport data.lib\n\ndeny contains "prod" if lib.production\n'
    )
    denials = policy.policy_set(folder=tmp_path, with_records=False).evaluate(
        {"stage": "production"}
    )
    assert [(d.rule, d.message) for d in denials] == [("file:main.rego", "prod")]


def test_v0_syntax_is_refused_with_a_message_naming_it():
    problem = policy.check_rego("old", 'package p\n\ndeny[msg] {\n\tmsg := "x"\n}\n')
    assert "old.rego, line 3: `deny[msg] { … }` is Rego v0 syntax" in problem
    assert "deny contains msg if" in problem


def test_v1_with_import_rego_v1_compiles():
    module = 'package p\n\nimport rego.v1\n\ndeny contains "x" if input.x\n'
    assert policy.check_rego("ok", module) is None


def test_a_broken_file_denies_every_system_and_names_itself(tmp_path):
    (tmp_path / "broken.rego").write_text("package p\n\ndeny contains x if { x := }\n")
    denials = policy.policy_set(folder=tmp_path, with_records=False).evaluate({})
    assert [d.rule for d in denials] == ["file:broken.rego"]
    assert denials[0].message.startswith("policy could not be evaluated:")


def test_article_policy_passes_its_example_and_denies_without_review_date():
    from registry import yaml_io

    files, problems = yaml_io.read_files(yaml_io.yaml_files(ARTICLE / "models"))
    assert problems == []
    rules = policy.policy_set(folder=ARTICLE / "policies", with_records=False)
    assert rules.evaluate(files[0].policy_input) == []
    doc = files[0].policy_input
    del doc["governance"]["last_reviewed"]
    doc["governance"]["approved_by"] = ["cto"]
    messages = {(d.rule, d.message) for d in rules.evaluate(doc)}
    assert ("file:model_registry.rego", 'model "claude-rag-assistant" has no review date') in (
        messages
    )
    assert (
        "file:model_registry.rego",
        'high-risk model "claude-rag-assistant" missing DPO approval',
    ) in messages


def test_a_slow_rule_fails_closed_and_says_so(settings):
    settings.REGISTRY_POLICY_TIME_BUDGET_MS = 1
    slow = (
        "package slow\n\n"
        "deny contains msg if {\n"
        "\tn := count([x | some x in numbers.range(1, 200000); x % 7 == 0])\n"
        "\tn < 0\n"
        '\tmsg := "never"\n'
        "}\n"
    )
    [(name, rule)] = policy.compile_rules("slow-rule", [("slow-rule.rego", slow)])
    assert name == "slow-rule"
    first = rule({})
    assert len(first) == 1 and "over the time budget of 1 ms" in first[0]
    assert "policy skipped" in rule({})[0]
    assert "over the time budget of 1 ms per rule" in policy.check_rego("slow-rule", slow)


@pytest.mark.django_db
def test_only_admins_and_leads_manage_policies(owner, lead, admin_user):
    data = {
        "name": "needs-region",
        "title": "Regions",
        "rego": 'package r\n\ndeny contains "no region" if count(input.deployment.regions) == 0\n',
        "enabled": True,
    }
    with pytest.raises(PermissionDenied, match="administrators and governance leads"):
        services.policy_create(actor=owner, data=data)
    record = services.policy_create(actor=lead, data=data)
    with pytest.raises(PermissionDenied):
        services.policy_retire(record, actor=owner, reason="Too strict")
    services.policy_retire(record, actor=admin_user, reason="Replaced")


@pytest.mark.django_db
def test_saving_a_v0_policy_is_refused_with_the_syntax_named(lead):
    data = {"name": "old", "title": "Old", "rego": "package p\n\nallow {\n\ttrue\n}\n"}
    with pytest.raises(ValidationError, match="Rego v0 syntax"):
        services.policy_create(actor=lead, data=data)


@pytest.mark.django_db
def test_file_rules_are_listed_on_the_policies_page(client_for, lead, settings, tmp_path):
    (tmp_path / "a.rego").write_text('package split\n\ndeny contains "a" if false\n')
    (tmp_path / "b.rego").write_text('package split\n\ndeny contains "b" if false\n')
    (tmp_path / "other.rego").write_text('package other\n\ndeny contains "o" if false\n')
    settings.REGISTRY_POLICY_DIR = tmp_path
    page = client_for(lead).get("/inventory/policies/").content.decode()
    assert "file:a.rego+b.rego" in page and "package split" in page
    assert "file:other.rego" in page
    assert "high-risk-production-needs-dpo" in page

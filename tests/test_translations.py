# Copyright 2026 mass_mailing_crm_nurture contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import re

from odoo.tests import TransactionCase, tagged
from odoo.tools.misc import file_open
from odoo.tools.translate import PoFileReader, TranslationModuleReader

from .. import compat

ADDON = "mass_mailing_crm_nurture"
# The .pot is exported on every supported series and holds what either extracts:
# Odoo names some of what the addon extends differently per series (crm.lead is
# "Lead/Opportunity" on 18.0, "Lead" on 19.0). The messages only another series
# has, by the series the tests run on.
OTHER_SERIES_MESSAGES = {19: {"Lead/Opportunity"}}
# The languages of the people the addon is for (Odoo's codes, and the file each
# one reads).
LANGUAGES = {"sv_SE": "sv", "fa_IR": "fa", "et_EE": "et", "ru_RU": "ru", "nl_NL": "nl"}

PLACEHOLDER = re.compile(
    r"%\([a-z_0-9]+\)[sd]|%[sd]|\{\{.*?\}\}|\{[a-z_0-9]*\}|&[a-z]+;"
)
TAG = re.compile(
    r"<(/?[a-zA-Z][a-zA-Z0-9-]*)((?:\s+[a-zA-Z:_@.-]+(?:=\"[^\"]*\"|='[^']*')?)*)\s*/?>"
)
# Attribute values people read may be translated; the others may not.
READ_ATTRIBUTES = re.compile(
    r"\s+(title|alt|placeholder|aria-label|string|help)=(\"[^\"]*\"|'[^']*')"
)


def shape(text):
    """What a translation must keep of its source: placeholders and markup."""
    tags = sorted(
        name + " ".join(sorted(READ_ATTRIBUTES.sub("", attrs).split()))
        for name, attrs in TAG.findall(text)
    )
    return sorted(PLACEHOLDER.findall(text)), tags


def read_po(path):
    with file_open(path, "rb") as po:
        return {entry["src"]: entry["value"] for entry in PoFileReader(po)}


@tagged("post_install", "-at_install", ADDON)
class TestTranslations(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.template = read_po(f"{ADDON}/i18n/{ADDON}.pot")

    def test_template_holds_every_message_of_the_code(self):
        """The .pot is the code's: a new or changed message is in it, so the
        check below sees it untranslated."""
        reader = TranslationModuleReader(self.env.cr, modules=[ADDON])
        sources = {term[4] for term in reader if term[4]}
        self.assertFalse(
            sorted(sources - set(self.template))[:20],
            "messages missing from the .pot: export it again",
        )
        other_series = OTHER_SERIES_MESSAGES.get(compat.SERIES, set())
        self.assertFalse(
            sorted(set(self.template) - sources - other_series)[:20],
            "messages of the .pot no longer in the code: export it again",
        )

    def test_every_message_translated_with_its_placeholders(self):
        for code in LANGUAGES.values():
            with self.subTest(language=code):
                translations = read_po(f"{ADDON}/i18n/{code}.po")
                untranslated = [
                    src for src in self.template if not translations.get(src)
                ]
                self.assertFalse(untranslated[:10], f"{len(untranslated)} left")
                broken = [
                    src
                    for src in self.template
                    if shape(src) != shape(translations[src])
                ]
                self.assertFalse(broken[:10], "placeholders or markup lost")
                self.assertFalse(
                    sorted(set(translations) - set(self.template))[:10],
                    "translations of messages the addon no longer has",
                )

    def test_screens_speak_each_language(self):
        """Loaded as Odoo loads it, each language shows on field labels, selection
        labels (never technical keys), views and messages from the code."""
        for lang in LANGUAGES:
            with self.subTest(language=lang):
                self.env["res.lang"]._activate_lang(lang)
                self.env["ir.module.module"]._load_module_terms([ADDON], [lang])
                env = self.env(context=dict(self.env.context, lang=lang))
                Step = env["crm.nurture.step"]
                labels = dict(Step._fields["trigger"]._description_selection(env))
                self.assertNotEqual(labels["not_opened"], "Email not opened")
                self.assertNotIn("_", labels["not_opened"])
                fields_info = Step.fields_get(["delay_unit"], ["string"])
                self.assertNotEqual(fields_info["delay_unit"]["string"], "Delay Unit")
                view = env.ref(f"{ADDON}.crm_nurture_sequence_view_form")
                arch = Step.env["crm.nurture.sequence"].get_view(view.id)["arch"]
                self.assertNotIn('string="Participants"', arch)
                message = env._("Branch not taken: it happened.")
                self.assertNotEqual(message, "Branch not taken: it happened.")

"""What the pages call an economy and its parts, in the reader's language.

An economy names its products, resources and workplaces in its own words, as its file gives
them: the shipped UK 2010 economy in the ONS's English. For that economy the pages know more:
its products' and labour's names in Czech (``data/uk-2010/labels.cs.csv``, read by
:func:`rada.bootstrap.demo_labels`), and its name, description and unit, which are marked here
for the catalogue. Any other economy is shown as its file names it: those are its authors'
words, like a council's name.

The planning library stays English and knows no languages; the pages look its ids up here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache

from rada.bootstrap import DEMO_NAME, DEMO_UNIT, demo_labels
from rada.councils.text import Message, msg, translate
from rada.planning.economy import Economy
from rada.planning.horizon import SUPPLY_GROWTH, TARGET_GROWTH
from rada.web.i18n import translations

__all__ = ["DemoTerms", "EconomyNames", "demo_terms", "economy_title", "names_for"]

#: The shipped economy's unit and name, in English as the economy holds them, marked so that
#: the catalogue has them (a test checks that they still read as the economy's own).
_UNITS: dict[str, Message] = {DEMO_UNIT: msg("GBP million")}
_TITLES: dict[str, Message] = {DEMO_NAME: msg("UK 2010 (ONS input-output tables, 127 products)")}


def economy_title(name: str) -> str | Message:
    """An economy's name for a page: the shipped one's to be translated, any other as it is."""
    return _TITLES.get(name, name)


@cache
def _shipped(language: str) -> Mapping[str, str]:
    """The shipped economy's names in ``language`` (read once)."""
    return demo_labels(language)


@dataclass(frozen=True)
class EconomyNames:
    """The names of one economy's products, resources and workplaces, and their units, in one
    language (those it has no translation of, as the economy names them)."""

    economy: Economy
    language: str
    translated: Mapping[str, str] = field(default_factory=dict)

    def product(self, product_id: str) -> str:
        """A product's name (its id when it has none)."""
        return self.translated.get(product_id) or self.economy.label(product_id)

    def resource(self, resource_id: str) -> str:
        """A resource's name (its id when it has none)."""
        economy = self.economy
        resource = economy.resources[economy.resource_index[resource_id]]
        return self.translated.get(resource_id) or resource.name or resource.id

    def workplace(self, technique_id: str) -> str:
        """The workplace that runs a technique, or what the technique makes.

        In a table's economy each product's technique has the product's code and runs in the
        workplace named after it; an investment's technique (``86+inv12``) runs in the same.
        """
        economy = self.economy
        base = technique_id.split("+inv")[0]
        if base in self.translated:
            return self.translated[base]
        index = economy.technique_index
        known = technique_id if technique_id in index else base
        if known not in index:
            return technique_id
        technique = economy.techniques[index[known]]
        if technique.workplace:
            return technique.workplace
        made = [self.product(p) for p in technique.outputs if p in economy.product_index]
        return ", ".join(made) or technique.id

    def unit(self, item_id: str) -> str:
        """The unit of a product or resource, in this language ("" when it has none)."""
        economy = self.economy
        if item_id in economy.product_index:
            unit = economy.product(item_id).unit
        elif item_id in economy.resource_index:
            unit = economy.resources[economy.resource_index[item_id]].unit
        else:
            return ""
        return translate(_UNITS.get(unit, unit), translations(self.language))

    def common_unit(self) -> str:
        """The unit every product is measured in, when they share one ("" otherwise)."""
        units = {p.unit for p in self.economy.products}
        if len(units) != 1 or not (only := units.pop()):
            return ""
        return translate(_UNITS.get(only, only), translations(self.language))


def names_for(economy: Economy, language: str) -> EconomyNames:
    """What the pages in ``language`` call ``economy``'s parts."""
    translated = _shipped(language) if economy.name == DEMO_NAME else {}
    return EconomyNames(economy, language, translated)


@dataclass(frozen=True)
class DemoTerms:
    """What the shipped economy's description says: its years and its yearly growths."""

    years: int
    target_growth: float
    supply_growth: float


def demo_terms(economy: Economy) -> DemoTerms | None:
    """The terms of the shipped economy, read from its targets and supply (the pages say its
    description in the reader's language from them); None for any other economy."""
    if economy.name != DEMO_NAME:
        return None

    def growth(series: Mapping[str, tuple[float, ...]], default: float) -> float:
        for values in series.values():
            if len(values) > 1 and values[0] > 0:
                return values[1] / values[0] - 1
        return default

    return DemoTerms(
        years=economy.years,
        target_growth=growth(economy.targets, TARGET_GROWTH),
        supply_growth=growth(economy.supply, SUPPLY_GROWTH),
    )


def value_added_for_labour(economy: Economy) -> bool:
    """Whether the economy's "labour" is a table's value added (WIOD's "Output less
    intermediate inputs"), which the pages must say wherever labour figures are shown."""
    from rada.planning.formats.iot import economy_note

    return economy_note(economy) is not None

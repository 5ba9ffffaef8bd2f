"""Field-tool exports in: KoboToolbox, ODK Central, Google Forms and wide tables.

``evaluation import`` (:func:`import_exports`) turns exports into the
canonical data folder that :func:`evaluation.project.load_project` reads;
``evaluation import --suggest`` (:func:`suggest_mapping`) proposes an
``import.yaml`` for forms the workbench did not make. See ``docs/import.md``.

Modules: :mod:`.sheets` (reading CSV/XLSX/ZIP), :mod:`.kobo`, :mod:`.odk`,
:mod:`.gforms` (each tool's metadata and repeat layout), :mod:`.columns`
(which column is which, wide ``_pre``/``_post`` columns), :mod:`.mapping`
(import.yaml, bounded safe YAML), :mod:`.core` (building the tables),
:mod:`.pipeline` (writing and checking the folder), :mod:`.suggest`.
"""

from .mapping import Mapping, MappingError, read_mapping
from .pipeline import ImportArgumentError, ImportDataError, ImportResult, import_exports
from .sheets import ExportReadError
from .suggest import suggest_mapping

__all__ = ["ExportReadError", "ImportArgumentError", "ImportDataError", "ImportResult",
           "Mapping", "MappingError", "import_exports", "read_mapping", "suggest_mapping"]

"""The study map: what the notes teach, how the concepts relate, and how much a learner knows.

`concepts` holds the types; `build` reads concepts and relations from the passages (with
`reading`, `names`, `merge`, `relations`), `lookup` finds the concept a learner names,
`mastery` lays a learner's cards over them, `next` plans a session, `render`, `mermaid` and
`draw` show the map, and `cache` keeps a built map per index version.
"""

from tutor.studymap.concepts import Concept, Evidence, Relation, RelationKind, StudyMap

__all__ = ["Concept", "Evidence", "Relation", "RelationKind", "StudyMap"]

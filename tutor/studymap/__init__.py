"""The study map: what the notes teach, how the concepts relate, and how much a learner knows.

Heavy work is in `build` (reading concepts and relations from the passages) and `mastery`
(laying a learner's cards over them); `concepts` holds the types.
"""

from tutor.studymap.concepts import Concept, Evidence, Relation, RelationKind, StudyMap

__all__ = ["Concept", "Evidence", "Relation", "RelationKind", "StudyMap"]

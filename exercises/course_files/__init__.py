"""Course content as files (content/README.md): read and check a folder, import it, export it.

It spans courses and exercises, so it lives here: `courses` depends on neither. `schema` holds
the format, `read` the one reader of course and exercise folders, `importer` the upsert and
`export` the writer.
"""

from exercises.course_files.export import course_files, dump_yaml, export_course
from exercises.course_files.importer import ImportSummary, import_course
from exercises.course_files.read import read_course_folder, read_exercise_folder
from exercises.course_files.schema import CourseData, CourseFolderError, ExerciseData

__all__ = [
    "CourseData",
    "CourseFolderError",
    "ExerciseData",
    "ImportSummary",
    "course_files",
    "dump_yaml",
    "export_course",
    "import_course",
    "read_course_folder",
    "read_exercise_folder",
]

"""Test-only overrides: fast hasher, locmem email, a throwaway data directory."""

import atexit
import os
import shutil
import tempfile

if "SIGAP_DATA_DIR" not in os.environ:
    # Made by the first process of a run (pytest's controller); its workers and the
    # subprocesses the tests start inherit it. Removed when that process ends: every
    # process that imported these settings used to make one and leave it behind.
    os.environ["SIGAP_DATA_DIR"] = tempfile.mkdtemp(prefix="sigap-test-")
    atexit.register(shutil.rmtree, os.environ["SIGAP_DATA_DIR"], ignore_errors=True)
os.environ.setdefault("SIGAP_SECRET_KEY", "test-secret-key-not-for-production")
os.environ["SIGAP_DB_POOL"] = "false"

from sigap.settings import *  # noqa: F403
from sigap.settings import DATA_DIR, DATABASES

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Every test client loads the middleware anew, and WhiteNoise would list and stat every
# static file each time (about a tenth of the suite's time); looking a file up when it is
# asked for serves the same files.
WHITENOISE_AUTOREFRESH = True

if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # A file, not :memory:, so tests with several threads share one database.
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test.sqlite3")}
else:
    # No pool; and commits (migrations, transactional tests) need not wait for the disk: a
    # test database is thrown away.
    DATABASES["default"]["OPTIONS"] = {
        "options": "-c synchronous_commit=off",
        # the test connection lives for the whole run, as a pooled one does
        "prepare_threshold": PREPARE_ONLY_ASKED,  # noqa: F405
    }

# A test with serialized_rollback gets back every row the migrations made but content types
# and permissions: the flush after a test that commits keeps their tables (conftest.py,
# _KEPT_BY_FLUSH), and those two apps hold no other rows (tests/test_run_tests.py).
TEST_NON_SERIALIZED_APPS = ["django.contrib.contenttypes", "django.contrib.auth"]

# Jobs run at once, in the caller (unit tests); tests of the real worker start one.
HUEY["immediate"] = True  # noqa: F405

# Classifying every ticket the tests create would train the models in every test database;
# the triage tests switch it on where they need it.
SIGAP_TRIAGE = False
# The chatbot answers messaging tickets; the tests that need it switch it on.
SIGAP_CHATBOT = False
STAFF_MENU_CACHE = True  # one process: its local cache is shared by all it serves (core.menucache)

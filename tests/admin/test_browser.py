"""One real browser session: headless Debian chromium logs in to the admin and runs an action."""
from __future__ import annotations

import os
import re
import shutil

import pytest

from tests.admin.conftest import attempt_add, course_make
from tests.admin.test_actions import UUID, board
from tests.conftest import wait_until

CHROMIUM = shutil.which("chromium")
CHROMEDRIVER = "/usr/bin/chromedriver"

pytestmark = pytest.mark.skipif(
    not (CHROMIUM and os.access(CHROMEDRIVER, os.X_OK)),
    reason="Debian's chromium and chromium-driver are not installed "
           "(as root: apt-get install -y --no-install-recommends chromium chromium-driver; "
           "`make test` run as root installs them)",
)


@pytest.fixture
def browser(monkeypatch):
    """Headless chromium through Debian's chromedriver; selenium never downloads anything."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    # Driver and browser paths are given, so selenium-manager is not needed; offline in any case.
    monkeypatch.setenv("SE_OFFLINE", "true")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                     "--window-size=1400,1000"):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()


def test_staff_logs_in_selects_a_course_and_rebuilds_its_leaderboard(live_server, browser,
                                                                     make_user, celery_worker):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as seen
    from selenium.webdriver.support.select import Select
    from selenium.webdriver.support.ui import WebDriverWait

    staff = make_user("operator", staff=True)
    course = course_make(created_by=staff.pk)
    course_make(created_by=staff.pk, slug="other-course")
    learner = make_user("ada")
    attempt_add(user_id=learner.pk, course=course, title="Quiz 1", marks=10)
    wait = WebDriverWait(browser, 15)

    browser.get(live_server.url + "/admin/")
    browser.find_element(By.ID, "id_username").send_keys("operator")
    browser.find_element(By.ID, "id_password").send_keys("pass-12345")
    browser.find_element(By.CSS_SELECTOR, "#login-form input[type=submit]").click()
    wait.until(seen.presence_of_element_located((By.CSS_SELECTOR, ".app-lms_data")))
    browser.find_element(By.CSS_SELECTOR, '.app-lms_data a[href="/admin/data/courses/"]').click()
    wait.until(seen.presence_of_element_located((By.ID, "result_list")))
    browser.find_element(By.CSS_SELECTOR, f'input.action-select[value="{course.id}"]').click()
    Select(browser.find_element(By.NAME, "action")).select_by_visible_text("Rebuild leaderboard")
    browser.find_element(By.CSS_SELECTOR, "#changelist-form .actions button[type=submit]").click()
    success = wait.until(seen.presence_of_element_located((By.CSS_SELECTOR,
                                                           ".messagelist .success")))

    assert re.fullmatch(rf"Rebuild leaderboard queued for “Intro to Python”: task {UUID}",
                        success.text)
    link = success.find_element(By.CSS_SELECTOR, "a.task-link")
    assert link.get_attribute("href") == f"http://127.0.0.1:5555/task/{link.text}"
    assert browser.current_url == live_server.url + "/admin/data/courses/"
    assert len(browser.find_elements(By.CSS_SELECTOR, ".messagelist li")) == 1  # one course only
    assert wait_until(lambda: board(course.id)) == {learner.pk: 10.0}

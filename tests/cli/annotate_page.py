#!/usr/bin/python3
"""Drives `actrec annotate`'s page in headless Chromium (WebDriver), as a person would.

annotate_page.py URL edit OUT.json      plays the first video, edits the first person's track
                                        with keys and the mouse; OUT.json: what was done
annotate_page.py URL external OUT.json CSV  rewrites CSV behind the page's back; OUT.json: what
                                        the page then shows
annotate_page.py URL train OUT.json EPOCHS   corrects the first person, presses Train, waits for
                                        its report; OUT.json: it
annotate_page.py URL cancel OUT.json     corrects, starts a long training run, cancels it
annotate_page.py URL shot OUT.png       a screenshot of the page with a stretch selected

Run by tests/cli/test_cli_annotate.cpp, which reads the files the page saved. Every wait is
bounded (a hang fails, it never passes); none asserts a speed.
"""
import json
import sys

from selenium import webdriver
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.actions.action_builder import ActionBuilder
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.support.ui import WebDriverWait

url, mode, out = sys.argv[1], sys.argv[2], sys.argv[3]

options = webdriver.ChromeOptions()
options.binary_location = "/usr/bin/chromium"
for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
             "--window-size=1280,860", "--autoplay-policy=no-user-gesture-required"):
    options.add_argument(flag)
driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
wait = WebDriverWait(driver, 120)


def js(script, *args):
    return driver.execute_script(script, *args)


def saved_count():
    return js("return S.saved")


def wait_saved(before):
    """Waits until the page has saved a file since it had saved `before` files."""
    wait.until(lambda d: saved_count() > before and js("return S.saving") == 0)


def drag(x0, y0, x1, y1, shift=False):
    actions = ActionBuilder(driver)
    if shift:
        actions.key_action.key_down(Keys.SHIFT)
        actions.pointer_action.pause(0)
    else:
        actions.key_action.pause(0)
    actions.pointer_action.move_to_location(x0, y0).pointer_down()
    actions.key_action.pause(0)
    for step in range(1, 6):
        actions.pointer_action.move_to_location(x0 + (x1 - x0) * step // 5, y1)
        actions.key_action.pause(0)
    actions.pointer_action.pointer_up()
    actions.key_action.pause(0)
    if shift:
        actions.key_action.key_up(Keys.SHIFT)
        actions.pointer_action.pause(0)
    actions.perform()


def seek(t):
    js("const v=document.getElementById('player');v.pause();v.currentTime=arguments[0]", t)
    wait.until(lambda d: abs(js("return document.getElementById('player').currentTime") - t) < 1e-3
               and not js("return document.getElementById('player').seeking"))


try:
    driver.get(url)
    # Labelled on first open (a progress bar meanwhile), then the tracks appear.
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#timeline .track .segment"))
    # The browser decodes the copy it is given (H.264) and plays it.
    wait.until(lambda d: js("return document.getElementById('player').readyState") >= 2)
    if mode == "edit":
        js("document.getElementById('player').play()")
        wait.until(lambda d: js("return document.getElementById('player').currentTime") > 0.3)
        played = js("return document.getElementById('player').currentTime")
        duration = js("return duration()")
        classes = js("return S.video.classes")
        person = js("return S.video.people[0].person")
        def track():  # drawn anew on each change
            return driver.find_element(By.CSS_SELECTOR,
                                       "#timeline .track[data-person='%d']" % person)
        track().click()  # selects the person (and seeks)
        body = driver.find_element(By.TAG_NAME, "body")
        # The key 3 over the segment at 1 s, once split there: [1 s, its end) becomes class 3.
        seek(1.0)
        status = saved_count()
        body.send_keys("s")
        wait_saved(status)
        status = saved_count()
        body.send_keys("3")
        wait_saved(status)
        # A stretch selected with the mouse (shift-drag, 20% to 40% of the track), then key 2.
        # Pointer moves by page coordinates: the track is drawn anew as the mouse goes.
        left, top, width, height = js(
            "const r=trackOf(arguments[0]).getBoundingClientRect();"
            "return [r.left,r.top,r.width,r.height]", person)
        y = int(top + height / 2)

        def at(fraction):
            return int(left + fraction * width)
        drag(at(0.2), y, at(0.4), y, shift=True)
        status = saved_count()
        body.send_keys("2")
        wait_saved(status)
        selected = js("return S.range")
        # Its start edge dragged to 10% of the track.
        status = saved_count()
        drag(at(js("return arguments[0]/duration()", selected[0])) + 1, y, at(0.1), y)
        wait_saved(status)
        # A mistake, undone: the file goes back to what it was.
        js("S.range=null")
        seek(0.6 * duration)
        status = saved_count()
        body.send_keys("1")
        wait_saved(status)
        status = saved_count()
        ActionChains(driver).key_down(Keys.CONTROL).send_keys("z").key_up(Keys.CONTROL).perform()
        wait_saved(status)
        # Where the overlay draws each person at 0.5 s: [time, x0, y0, x1, y1, keypoints...].
        seek(0.5)
        drawn = js("return S.video.people.map(p=>[p.person,poseAt(p,0.5)])")
        result = {"played_s": played, "duration_s": duration, "classes": classes, "drawn": drawn,
                  "person": person, "file": js("return S.video.people[0].file"),
                  "selected": selected, "segments": js("return S.video.people[0].segments")}
    elif mode == "external":
        # Someone else rewrites the file (this script, as an editor would, not through the
        # page): the page reads it again and says so.
        classes = js("return S.video.classes")
        with open(sys.argv[4], "w") as f:
            f.write("start_s,end_s,label\n0.000,%.3f,%s\n" % (js("return duration()"), classes[0]))
        wait.until(lambda d: "changed on disk" in js(
            "return document.getElementById('notice').textContent"))
        result = {"notice": js("return document.getElementById('notice').textContent"),
                  "segments": js("return S.video.people[0].segments")}
    elif mode == "train":
        epochs = sys.argv[4]
        # The whole of the first person's track corrected to the first class (key 1).
        status = saved_count()
        js("S.person=S.video.people[0].person;S.range=[0,duration()]")
        driver.find_element(By.TAG_NAME, "body").send_keys("1")
        wait_saved(status)
        driver.find_element(By.ID, "epochs").send_keys(epochs)
        driver.find_element(By.ID, "train").click()
        wait.until(lambda d: js("return S.state.train.state") in ("done", "failed", "cancelled"))
        wait.until(lambda d: js("return S.state.train.state") != "done" or
                   d.find_elements(By.CSS_SELECTOR, "#report tr[data-video]"))
        result = {"train": js("return S.state.train"),
                  "report": [row.text for row in
                             driver.find_elements(By.CSS_SELECTOR, "#report tr[data-video]")],
                  "shown": driver.find_element(By.ID, "training").text}
    elif mode == "cancel":
        # A long run, stopped from the page.
        status = saved_count()
        js("S.person=S.video.people[0].person;S.range=[0,duration()]")
        driver.find_element(By.TAG_NAME, "body").send_keys("1")
        wait_saved(status)
        driver.find_element(By.ID, "epochs").send_keys("100000")
        driver.find_element(By.ID, "train").click()
        wait.until(lambda d: js("return S.state.train.state") == "training")
        driver.find_element(By.ID, "cancel").click()
        wait.until(lambda d: js("return S.state.train.state") in ("done", "failed", "cancelled"))
        result = {"train": js("return S.state.train"),
                  "shown": driver.find_element(By.ID, "training").text}
    elif mode == "shot":
        js("document.getElementById('player').play()")
        wait.until(lambda d: js("return document.getElementById('player').currentTime") > 1.0)
        js("const v=document.getElementById('player');v.pause();"
           "goUncertain(Math.min(2,S.uncertain.length-1))")
        wait.until(lambda d: not js("return document.getElementById('player').seeking"))
        driver.save_screenshot(out)
        result = None
    else:
        raise SystemExit("unknown mode " + mode)
    if result is not None:
        with open(out, "w") as f:
            json.dump(result, f)
except Exception:
    driver.save_screenshot(out + ".failed.png")
    print(js("return document.body.innerText")[:3000], file=sys.stderr)
    raise
finally:
    driver.quit()

"""Helpers for the access tests: moving with the keyboard alone, checking that focus shows,
measuring targets (WCAG 2.2, 2.5.8) and overflow.

Keyboard helpers only press keys (Tab, Shift+Tab, arrows, Space, Enter, typing): no clicks and
no `fill`. Reading the page (which element has focus, a field's value) is fine: that is what a
person sees.
"""

from typing import Any

MAX_TABS = 80
MIN_TARGET = 24  # CSS pixels, WCAG 2.2 success criterion 2.5.8 (AA)

# What the focused element looks like: focus must be visible, on screen and not hidden.
_FOCUS_STATE = """el => {
  const style = getComputedStyle(el);
  const box = el.getBoundingClientRect();
  const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2;
  const shadow = style.boxShadow && style.boxShadow !== 'none';
  return {
    tag: el.tagName.toLowerCase(),
    text: (el.getAttribute('name') || el.textContent || '').trim().slice(0, 40),
    indicator: outline || shadow,
    onScreen: box.width > 0 && box.height > 0 && box.bottom > 0 && box.right > 0
      && box.top < window.innerHeight && box.left < window.innerWidth,
  };
}"""


def focused_state(page: Any) -> dict[str, Any] | None:
    """The focused element's indicator and position, or None when nothing has focus."""
    focused = page.locator("*:focus")
    if focused.count() == 0:
        return None
    state: dict[str, Any] = focused.first.evaluate(_FOCUS_STATE)
    return state


def assert_focus_visible(page: Any) -> None:
    """The element with focus has a visible indicator (outline or shadow) and is on screen."""
    state = focused_state(page)
    assert state is not None, f"nothing has focus on {page.url}"
    assert state["indicator"], f"no visible focus indicator on {state} at {page.url}"
    assert state["onScreen"], f"the focused element is off screen: {state} at {page.url}"


def is_focused(locator: Any) -> bool:
    return bool(locator.evaluate("el => el === document.activeElement"))


def tab_to(page: Any, locator: Any, *, backwards: bool = False, limit: int = MAX_TABS) -> None:
    """Press Tab (or Shift+Tab) until `locator` has focus, checking at every stop that focus
    is visible; fail after `limit` presses."""
    target = locator.first
    key = "Shift+Tab" if backwards else "Tab"
    for _press in range(limit):
        if is_focused(target):
            return
        page.keyboard.press(key)
        if page.locator("*:focus").count():
            assert_focus_visible(page)
    assert is_focused(target), f"{limit} presses of {key} never reached {locator} on {page.url}"


def type_into(page: Any, locator: Any, text: str) -> None:
    """Tab to a text field and type into it."""
    tab_to(page, locator)
    page.keyboard.type(text)


def choose_option(page: Any, select: Any, value: str, *, limit: int = 30) -> None:
    """Tab to a closed <select> and move through its options with the arrow keys."""
    tab_to(page, select)
    page.keyboard.press("Home")
    for _press in range(limit):
        if select.input_value() == value:
            return
        page.keyboard.press("ArrowDown")
    assert select.input_value() == value, f"{value!r} is not among {select}'s options"


def choose_radio(page: Any, name: str, value: str, *, limit: int = 12) -> None:
    """Tab into a radio group, then move with the arrow keys (which also check) to `value`."""
    group = page.locator(f"input[type=radio][name='{name}']")
    wanted = page.locator(f"input[type=radio][name='{name}'][value='{value}']")
    for _press in range(MAX_TABS):
        if group.evaluate_all("els => els.includes(document.activeElement)"):
            break
        page.keyboard.press("Tab")
        if page.locator("*:focus").count():
            assert_focus_visible(page)
    else:
        raise AssertionError(f"Tab never reached the {name} radio group on {page.url}")
    if not wanted.is_checked():
        page.keyboard.press("Space")  # the first radio of a group with nothing checked yet
    for _press in range(limit):
        if wanted.is_checked():
            assert_focus_visible(page)
            return
        page.keyboard.press("ArrowDown")
    assert wanted.is_checked(), f"arrow keys never reached {name}={value}"


def press_enter_and_wait(page: Any) -> None:
    """Press Enter on the focused link or button and wait for the page it leads to."""
    with page.expect_navigation() as navigation:
        page.keyboard.press("Enter")
    response = navigation.value
    assert response is not None, f"Enter led nowhere from {page.url}"
    assert response.ok, f"Enter led to {page.url}, which answered {response.status}"


# The targets on the page (WCAG 2.5.8) that are too small and not excused by the exceptions:
# inline (a link in a sentence: its line box limits its size) and spacing (a 24px circle on
# the target's centre touches no other target nor another small target's circle).
_SMALL_TARGETS = """(min) => {
  const selector = 'a[href], button, input:not([type=hidden]), select, textarea, summary, '
    + '[role=button], [tabindex]:not([tabindex="-1"])';
  const visible = el => {
    const style = getComputedStyle(el);
    const box = el.getBoundingClientRect();
    return style.visibility !== 'hidden' && style.display !== 'none' && box.width > 0
      && box.height > 0 && box.right > 0 && box.left < document.documentElement.scrollWidth
      && !el.closest('[aria-hidden=true]');
  };
  const targets = [...document.querySelectorAll(selector)].filter(visible);
  const boxes = targets.map(el => el.getBoundingClientRect());
  const small = boxes.map(b => b.width < min - 0.5 || b.height < min - 0.5);
  const centre = b => [b.left + b.width / 2, b.top + b.height / 2];
  const distanceToBox = ([x, y], b) => Math.hypot(
    Math.max(b.left - x, 0, x - b.right), Math.max(b.top - y, 0, y - b.bottom));
  // Inline: an inline link that sits in running text with other words around it.
  const inSentence = el => {
    if (getComputedStyle(el).display !== 'inline') return false;
    let block = el.parentElement;
    while (block && getComputedStyle(block).display.startsWith('inline')) {
      block = block.parentElement;
    }
    if (!block || !block.matches('p, li, dd, td, th, small, label, legend, span, div')) {
      return false;
    }
    const own = el.textContent.trim().length;
    return block.textContent.replace(/\\s+/g, ' ').trim().length > own + 3;
  };
  const problems = [];
  targets.forEach((el, i) => {
    if (!small[i] || inSentence(el)) return;
    const here = centre(boxes[i]);
    const clash = targets.some((other, j) => j !== i && !other.contains(el) && !el.contains(other)
      && (distanceToBox(here, boxes[j]) < min / 2
          || (small[j] && Math.hypot(here[0] - centre(boxes[j])[0],
                                     here[1] - centre(boxes[j])[1]) < min)));
    if (clash) {
      const b = boxes[i];
      problems.push(`${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}`
        + `${el.name ? '[name=' + el.name + ']' : ''} "${el.textContent.trim().slice(0, 30)}"`
        + ` ${b.width.toFixed(1)}x${b.height.toFixed(1)}`);
    }
  });
  return {count: targets.length, problems};
}"""


def small_targets(page: Any) -> tuple[int, list[str]]:
    """How many targets the page has, and those under 24 by 24 px that no exception excuses."""
    result: dict[str, Any] = page.evaluate(_SMALL_TARGETS, MIN_TARGET)
    return int(result["count"]), list(result["problems"])


_OVERFLOW = """() => {
  const root = document.documentElement;
  const clipped = [];
  for (const el of document.querySelectorAll('body *')) {
    if (el.closest('.hp, .skip, [aria-hidden=true]')) continue;
    const style = getComputedStyle(el);
    const clips = ['hidden', 'clip'].includes(style.overflowX)
      || ['hidden', 'clip'].includes(style.overflowY) || style.textOverflow === 'ellipsis';
    if (!clips || !el.textContent.trim()) continue;
    if (el.scrollWidth > el.clientWidth + 1 || el.scrollHeight > el.clientHeight + 1) {
      clipped.push(el.tagName.toLowerCase() + (el.className ? '.' + el.className : ''));
    }
  }
  const wide = [...document.querySelectorAll('body *')]
    .filter(el => !el.closest('.hp, .skip')
      && el.getBoundingClientRect().right > window.innerWidth + 1)
    .map(el => el.tagName.toLowerCase() + (el.className ? '.' + el.className : '')
      + (el.id ? '#' + el.id : ''));
  return {scrollWidth: root.scrollWidth, innerWidth: window.innerWidth, clipped,
          wide: wide.slice(0, 10)};
}"""


def overflow(page: Any) -> dict[str, Any]:
    """The page's width against the window's, and elements that clip their own text."""
    result: dict[str, Any] = page.evaluate(_OVERFLOW)
    return result


def zoom_text(page: Any, percent: int) -> None:
    """Set the root font size, as a browser's text-only zoom or a person's default font size
    would (through the CSS object model, which the content security policy allows)."""
    page.evaluate("p => { document.documentElement.style.fontSize = p + '%'; }", percent)

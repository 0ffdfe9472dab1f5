// The accessible side of a convlab view, in JupyterLab and on the course's website alike (an
// anywidget front end: convlab/widgets/access.py).
//
// 1. A live region (role="status", aria-live="polite") that says the current step's arithmetic
//    in words whenever the step changes: `index` is linked in the browser to the step slider, so
//    it speaks while Play runs with no kernel.
// 2. Names for ipywidgets' own controls, which have none: Play's icon buttons (play/pause, stop,
//    repeat) and every slider's handle (named after its description), so that a screen reader
//    says what each one does; and an alt text for every picture the view shows (`alts`).
//    The controls are ipywidgets' own and already work from the keyboard (Tab, Enter or Space
//    on a button, the arrow keys, Home and End on a slider); the CSS below makes their focus
//    visible.
// The names are set again whenever the view redraws its controls (a MutationObserver). They
// come from Python (`names`, in the student's language: access.py's NAMES), never from here.

function setAttr(node, name, value) {
  if (node && value != null && node.getAttribute(name) !== value) node.setAttribute(name, value);
}

function labelPlay(play, names) {
  const [toggle, stop, repeat] = play.querySelectorAll("button");
  const playing = !!(toggle && toggle.querySelector(".fa-pause"));
  setAttr(toggle, "aria-label", playing ? names.pause : names.play);
  setAttr(stop, "aria-label", names.stop);
  if (repeat) {
    setAttr(repeat, "aria-label", names.repeat);
    setAttr(repeat, "aria-pressed", String(repeat.classList.contains("mod-active")));
  }
  for (const icon of play.querySelectorAll("i")) setAttr(icon, "aria-hidden", "true");
}

function labelSlider(slider, names) {
  const label = slider.querySelector(".widget-label");
  const name = ((label && label.textContent) || "").trim() || names.value;
  for (const handle of slider.querySelectorAll(".noUi-handle")) setAttr(handle, "aria-label", name);
  const readout = slider.querySelector(".widget-readout");
  if (readout && names.readout) setAttr(readout, "aria-label", names.readout.replace("{name}", () => name));
}

// a frame wider or taller than the view scrolls: its box then takes the focus, so that the
// arrow keys scroll it (WCAG 2.1.1; axe's scrollable-region-focusable)
function scrollable(frames, names) {
  const overflows = frames.scrollWidth > frames.clientWidth || frames.scrollHeight > frames.clientHeight;
  if (overflows) {
    setAttr(frames, "tabindex", "0");
    setAttr(frames, "role", "group");
    setAttr(frames, "aria-label", names.frame);
  } else if (frames.hasAttribute("tabindex")) {
    for (const name of ["tabindex", "role", "aria-label"]) frames.removeAttribute(name);
  }
}

function label(root, model) {
  const names = model.get("names") || {};
  for (const play of root.querySelectorAll(".widget-play")) labelPlay(play, names);
  for (const frames of root.querySelectorAll(".convlab-frames")) scrollable(frames, names);
  for (const slider of root.querySelectorAll(".widget-slider")) labelSlider(slider, names);
  const alts = model.get("alts") || [];
  root.querySelectorAll("img.widget-image").forEach((img, k) => {
    if (k < alts.length && alts[k]) setAttr(img, "alt", alts[k]);
  });
}

export default {
  render({ model, el }) {
    el.classList.add("convlab-access");
    const live = document.createElement("p");
    live.className = "convlab-live";
    live.setAttribute("role", "status");
    live.setAttribute("aria-live", "polite");
    live.setAttribute("aria-atomic", "true");
    el.appendChild(live);
    const say = () => {
      const texts = model.get("texts") || [];
      const k = Math.min(Math.max(model.get("index") || 0, 0), texts.length - 1);
      const text = k >= 0 ? texts[k] : "";
      if (live.textContent !== text) live.textContent = text;
    };
    say();
    model.on("change:index", say);
    model.on("change:texts", say);

    let observer = null;
    let resized = null;
    let tries = 0;
    const attach = () => {
      // the view's root holds the controls; it is in the page once every child has rendered
      const root = el.closest(".convlab-view");
      if (!root) {
        if (tries++ < 400) setTimeout(attach, 50);
        return;
      }
      const apply = () => label(root, model);
      apply();
      model.on("change:alts", apply);
      model.on("change:names", apply);
      observer = new MutationObserver(apply);
      observer.observe(root, { childList: true, subtree: true, attributes: true, attributeFilter: ["class"] });
      resized = new ResizeObserver(apply);
      resized.observe(root);
    };
    attach();
    return () => {
      if (observer) observer.disconnect();
      if (resized) resized.disconnect();
    };
  },
};

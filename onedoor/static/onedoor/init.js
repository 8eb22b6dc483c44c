// Progressive enhancement only: every journey works without this file.
import { initAll } from "../nhsuk/nhsuk-frontend.min.js";
import { initSession } from "./session.js";

document.body.classList.add("js-enabled", "nhsuk-frontend-supported");
initAll();
initSession(); // the timeout warning and drafts (signed-in pages only)

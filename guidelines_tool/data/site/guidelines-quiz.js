/* guidelines_tool: the practise pages' quiz.
 *
 * The page holds every question as a list, each with its answer folded away (readable without
 * this script). This script turns it into a quiz: one question at a time, the task's labels as
 * buttons (number keys pick one), feedback quoting the deciding rule and its why, a score at the
 * end. `#quiz-RULE-ID` in the address asks one rule's questions only.
 *
 * It makes no request, stores nothing and sends nothing: the answers stay on the page. All text
 * it shows is the page's own (already sanitised when the page was built): nodes are cloned or
 * created with textContent, never parsed from strings.
 */
(function () {
  "use strict";

  function shuffle(list) {
    for (var i = list.length - 1; i > 0; i--) {
      var j = Math.floor(Math.random() * (i + 1));
      var t = list[i]; list[i] = list[j]; list[j] = t;
    }
    return list;
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  /* A round: every rule once (in random order), then more questions up to `size`. */
  function pick(questions, size) {
    var byRule = {}, rules = [], rest = [], chosen = [];
    shuffle(questions.slice()).forEach(function (q) {
      var rule = q.getAttribute("data-rule");
      if (!byRule[rule]) { byRule[rule] = true; rules.push(q); } else { rest.push(q); }
    });
    chosen = rules.slice(0, size);
    return shuffle(chosen.concat(rest.slice(0, Math.max(0, size - chosen.length))));
  }

  function keyFor(index) { return index < 9 ? String(index + 1) : index === 9 ? "0" : ""; }

  function Quiz(root) {
    this.root = root;
    this.size = parseInt(root.getAttribute("data-size"), 10) || 15;
    this.multi = root.getAttribute("data-multi") === "1";
    this.labels = Array.prototype.map.call(root.querySelectorAll(".gl-quiz-labels > li"), function (li) {
      return li.textContent;
    });
    this.all = Array.prototype.slice.call(root.querySelectorAll(".gl-quiz-questions > .gl-q"));
    this.build();
    this.start();
  }

  Quiz.prototype.build = function () {
    var self = this;
    this.root.classList.add("gl-quiz-on");
    var ui = this.ui = el("section", "gl-quiz-ui");
    ui.setAttribute("aria-label", "Quiz");
    this.status = el("p", "gl-quiz-status");
    this.heading = el("h2", "gl-quiz-heading");
    this.heading.tabIndex = -1;
    this.stage = el("div", "gl-quiz-stage");
    this.options = el("div", "gl-quiz-options");
    this.options.setAttribute("role", "group");
    this.options.setAttribute("aria-label", "Labels");
    this.buttons = this.labels.map(function (name, index) {
      var button = el("button", "gl-quiz-option");
      button.type = "button";
      var key = keyFor(index);
      if (key) {
        var kbd = el("kbd", "", key);
        kbd.setAttribute("aria-hidden", "true");
        button.appendChild(kbd);
        button.setAttribute("aria-keyshortcuts", key);
      }
      button.appendChild(document.createTextNode(name));
      button.addEventListener("click", function () { self.choose(index); });
      self.options.appendChild(button);
      return button;
    });
    this.check = el("button", "gl-quiz-check", "Check my answer");
    this.check.type = "button";
    this.check.hidden = !this.multi;
    this.check.addEventListener("click", function () { self.answer(); });
    this.feedback = el("div", "gl-quiz-feedback");
    this.feedback.setAttribute("role", "status");
    this.feedback.setAttribute("aria-live", "polite");
    this.next = el("button", "gl-quiz-next", "Next question");
    this.next.type = "button";
    this.next.hidden = true;
    this.next.addEventListener("click", function () { self.advanceOrRestart(); });
    this.help = el("p", "gl-quiz-help", this.multi
      ? "Keys: 1–" + Math.min(this.labels.length, 9) + " pick labels, Enter checks, then Enter goes on."
      : "Keys: 1–" + Math.min(this.labels.length, 9) + " pick a label, then Enter goes on.");
    [this.status, this.heading, this.stage, this.options, this.check, this.feedback, this.next, this.help]
      .forEach(function (node) { ui.appendChild(node); });
    this.root.insertBefore(ui, this.root.firstChild);
    document.addEventListener("keydown", function (event) { self.key(event); });
    window.addEventListener("hashchange", function () {
      if (self.ruleFromHash() !== self.rule) { self.start(); self.heading.focus(); }
    });
  };

  Quiz.prototype.ruleFromHash = function () {
    var hash = decodeURIComponent(window.location.hash || "");
    if (hash.indexOf("#quiz-") !== 0) return null;
    var rule = hash.slice(6);
    return this.all.some(function (q) { return q.getAttribute("data-rule") === rule; }) ? rule : null;
  };

  Quiz.prototype.start = function () {
    this.finished = false;
    this.again = false;
    this.rule = this.ruleFromHash();
    var rule = this.rule;
    this.round = rule
      ? shuffle(this.all.filter(function (q) { return q.getAttribute("data-rule") === rule; }))
      : pick(this.all, this.size);
    this.position = 0;
    this.right = 0;
    this.missed = [];
    this.show();
  };

  Quiz.prototype.show = function () {
    var q = this.current = this.round[this.position];
    this.done = false;
    this.chosen = [];
    this.status.textContent = (this.rule ? "Rule " + this.rule + ": " : "") + "question " + (this.position + 1) +
      " of " + this.round.length + " · " + this.right + " right so far";
    this.heading.textContent = "Which label does this item get?";
    this.stage.textContent = "";
    var item = q.querySelector(".gl-q-item"), meta = q.querySelector(".gl-q-meta");
    if (item) this.stage.appendChild(item.cloneNode(true));
    if (meta) this.stage.appendChild(meta.cloneNode(true));
    this.buttons.forEach(function (button) {
      button.disabled = false;
      button.setAttribute("aria-pressed", "false");
      button.classList.remove("gl-right", "gl-wrong");
    });
    this.options.hidden = false;
    this.check.hidden = !this.multi;
    this.feedback.textContent = "";
    this.feedback.className = "gl-quiz-feedback";
    this.next.hidden = true;
  };

  Quiz.prototype.choose = function (index) {
    if (this.done || this.finished || index >= this.buttons.length) return;
    if (this.multi) {
      var at = this.chosen.indexOf(index);
      if (at < 0) this.chosen.push(index); else this.chosen.splice(at, 1);
      this.buttons[index].setAttribute("aria-pressed", at < 0 ? "true" : "false");
      return;
    }
    this.chosen = [index];
    this.buttons[index].setAttribute("aria-pressed", "true");
    this.answer();
  };

  Quiz.prototype.answer = function () {
    if (this.done || this.finished) return;
    var q = this.current;
    var truth = q.getAttribute("data-answer").split(" ").map(Number).sort();
    var given = this.chosen.slice().sort();
    var right = truth.length === given.length && truth.every(function (v, i) { return v === given[i]; });
    this.done = true;
    if (right) { this.right += 1; } else { this.missed.push(q); }
    var self = this;
    this.buttons.forEach(function (button, index) {
      button.disabled = true;
      if (truth.indexOf(index) >= 0) button.classList.add("gl-right");
      else if (given.indexOf(index) >= 0) button.classList.add("gl-wrong");
    });
    var names = truth.map(function (i) { return self.labels[i]; }).join(", ");
    this.feedback.className = "gl-quiz-feedback " + (right ? "gl-right" : "gl-wrong");
    this.feedback.appendChild(el("p", "gl-quiz-verdict", right ? "Right: " + names + "." : "Not quite: it is " + names + "."));
    var key = q.querySelector(".gl-q-key");
    if (key) {
      Array.prototype.forEach.call(key.children, function (child) {
        if (child.tagName !== "SUMMARY" && !child.classList.contains("gl-q-answer")) {
          self.feedback.appendChild(child.cloneNode(true));
        }
      });
    }
    this.check.hidden = true;
    this.next.textContent = this.position + 1 < this.round.length ? "Next question" : "See my score";
    this.next.hidden = false;
    this.next.focus();
  };

  Quiz.prototype.advance = function () {
    this.position += 1;
    if (this.position < this.round.length) {
      this.show();
      this.heading.focus();
    } else {
      this.score();
    }
  };

  Quiz.prototype.score = function () {
    var self = this, total = this.round.length;
    this.finished = true;
    this.options.hidden = true;
    this.check.hidden = true;
    this.stage.textContent = "";
    this.status.textContent = (this.rule ? "Rule " + this.rule + ": " : "") + "done";
    this.heading.textContent = "Your score: " + this.right + " of " + total + " (" + Math.round(100 * this.right / total) + "%)";
    this.feedback.className = "gl-quiz-feedback";
    this.feedback.textContent = "";
    if (this.missed.length) {
      this.feedback.appendChild(el("p", "", "The rules behind the questions you missed:"));
      var list = el("ul", "gl-quiz-missed"), seen = {};
      this.missed.forEach(function (q) {
        var link = q.querySelector(".gl-q-rule a");
        var rule = q.getAttribute("data-rule");
        if (!link || seen[rule]) return;
        seen[rule] = true;
        var item = el("li");
        item.appendChild(link.cloneNode(true));
        list.appendChild(item);
      });
      this.feedback.appendChild(list);
    } else {
      this.feedback.appendChild(el("p", "", "Every answer was right."));
    }
    this.next.textContent = "Practise again";
    this.next.hidden = false;
    this.again = true;
    this.heading.focus();
  };

  Quiz.prototype.advanceOrRestart = function () {
    if (this.again) { this.start(); this.heading.focus(); }
    else { this.advance(); }
  };

  Quiz.prototype.key = function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey || event.defaultPrevented) return;
    var target = event.target, tag = target && target.tagName;
    if (tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || (target && target.isContentEditable)) return;
    if (!this.root.isConnected) return;
    var digit = /^[0-9]$/.test(event.key) ? (event.key === "0" ? 9 : parseInt(event.key, 10) - 1) : -1;
    if (digit >= 0 && !this.done && !this.finished) {
      event.preventDefault();
      this.choose(digit);
    } else if (event.key === "Enter" && tag !== "BUTTON" && tag !== "A" && tag !== "SUMMARY") {
      if (this.multi && !this.done && !this.finished && this.chosen.length) { event.preventDefault(); this.answer(); }
      else if (this.done || this.finished) { event.preventDefault(); this.advanceOrRestart(); }
    }
  };

  function init() {
    Array.prototype.forEach.call(document.querySelectorAll(".gl-quiz:not(.gl-quiz-on)"), function (root) {
      new Quiz(root);
    });
  }

  if (window.document$ && typeof window.document$.subscribe === "function") {
    window.document$.subscribe(init);  // Material's instant navigation swaps pages without a reload
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();

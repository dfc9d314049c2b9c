// Rapport console: drag a deal's card onto another stage of the pipeline
// board. Dropping fills in the card's own "Move to" form and submits it, so
// a drag does exactly what the form does without JavaScript (the server
// checks the move and draws the board again, with the reason if refused).
(function () {
  'use strict';
  var dragged = null;

  function columnOf(node) {
    return node && node.closest ? node.closest('.column[data-stage]') : null;
  }

  function unmark() {
    document.querySelectorAll('.column.drop-target').forEach(function (c) { c.classList.remove('drop-target'); });
  }

  document.addEventListener('dragstart', function (e) {
    var card = e.target && e.target.closest ? e.target.closest('.deal[draggable="true"]') : null;
    if (!card) return;
    dragged = card;
    e.dataTransfer.effectAllowed = 'move';
    e.dataTransfer.setData('text/plain', card.dataset.id);
    card.classList.add('dragging');
  });

  document.addEventListener('dragend', function () {
    if (dragged) dragged.classList.remove('dragging');
    dragged = null;
    unmark();
  });

  document.addEventListener('dragover', function (e) {
    var col = columnOf(e.target);
    if (!col || !dragged) return;
    e.preventDefault();
    e.dataTransfer.dropEffect = 'move';
    if (!col.classList.contains('drop-target')) {
      unmark();
      col.classList.add('drop-target');
    }
  });

  document.addEventListener('drop', function (e) {
    var col = columnOf(e.target);
    if (!col) return;
    e.preventDefault();
    unmark();
    var id = e.dataTransfer.getData('text/plain');
    var card = id ? document.querySelector('.deal[data-id="' + CSS.escape(id) + '"]') : dragged;
    if (!card || columnOf(card) === col) return;
    var form = card.querySelector('form.move');
    if (!form) return;
    form.elements.stage.value = col.dataset.stage;
    card.classList.add('moving');
    col.querySelector('.cards').appendChild(card);
    form.requestSubmit();
  });
})();

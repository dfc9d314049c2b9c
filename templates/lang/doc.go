// Package lang is the template language of Rapport's mail merge, shared by
// every format (DOCX, ODT, HTML, plain text): placeholders with formatters
// ({quote.total | money}), conditionals ({#if}…{#elseif}…{#else}…{/if}),
// loops ({#each quote.lines as line}…{/each}, grouped with
// {#each quote.lines group "tax_rate"}), aggregates ({sum quote.lines
// "net_amount"}, {count quote.lines}) and escaped braces ({{ and }}).
// docs/templates.md is the reference for template authors.
//
// The language is sandboxed: templates read a data tree (map[string]any,
// built with Value from model records and the Relations), call no methods
// and reach no files or network; Limits bound the template's size, nesting,
// loop iterations, output size and time.
//
// How a format layer uses it:
//
//  1. It cuts its document into Segments (text runs or paragraphs, each
//     with a Place such as "table 2 row 3 cell 1") and calls Parse. Errors
//     come back as Errors, each with its place and column.
//  2. Lint checks field paths against the Schema (DefaultSchema) for the
//     record type the template is for.
//  3. To merge, Template.Start gives the root Scope over the data. Each
//     segment's Pieces are inline content (Scope.Render appends its Output
//     chunks) or tags of Blocks that span segments: the layer decides what
//     such a block repeats (table rows, paragraphs) and asks Scope.Items
//     for the iterations and Scope.Branch for the kept body. Scope.Expand
//     does all of that for segments that are sibling units; Template.Text
//     and Template.HTML render one-segment templates (mail bodies).
//
// Locale-aware formatting comes from templates/locale. This package may
// import model and templates/locale only (see .ci/check-deps.sh).
package lang

/**
 * The patch rules, sorted by id. Adding one: create `src/rules/patch/<id>.ts`, its page
 * `docs/rules/<id>.md`, its mail fixtures `test/fixtures/rules/<id>/*.mbox`, and list it here;
 * the catalog test fails until all four exist.
 */
import type { PatchRule } from './define-patch-rule.js';
import patchFixesTagFormat from './patch-fixes-tag-format.js';
import patchMmEmptyBody from './patch-mm-empty-body.js';
import patchSignoffAuthor from './patch-signoff-author.js';
import patchSubjectPrefix from './patch-subject-prefix.js';

export const PATCH_RULES: readonly PatchRule[] = [patchFixesTagFormat, patchMmEmptyBody, patchSignoffAuthor, patchSubjectPrefix];

<?php
/**
 * Plugin Name:       samtykke
 * Plugin URI:        https://github.com/samtykke/samtykke
 * Description:       Cookie consent enforced on the server: every Set-Cookie is kept only when the visitor's consent permits it (libsamtykke through PHP's FFI), with a banner, settings, withdrawal, Sec-GPC, a cookie declaration, and a consent log that `samtykke audit` checks.
 * Version:           0.1.0
 * Requires at least: 6.1
 * Requires PHP:      8.1
 * License:           MIT OR Apache-2.0
 * Text Domain:       samtykke
 */

defined('ABSPATH') || exit;

$samtykke_loading = hrtime(true);
require_once __DIR__ . '/lib/samtykke.php';
require_once __DIR__ . '/includes/texts.php';
require_once __DIR__ . '/includes/plugin.php';

Samtykke\WordPress\Plugin::boot(__FILE__, $samtykke_loading);
unset($samtykke_loading);

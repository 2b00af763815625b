/* Generated from ICU 72 confusables (uspoof_getSkeletonUTF8) and utf8proc 2.8 case data by a
 * one-off program; regenerate only together with a re-fingerprinting of stored reports.
 *
 * Lower-case letters whose own skeleton is not ASCII but whose capital is confusable with a
 * Latin capital: case folding turns the look-alike capitals of a mutated text (Cyrillic
 * "ВАNК") into letters that no longer look Latin ("вапк"), so for matching they are mapped
 * to the Latin letter their capital imitates ("bank"). Capitals imitating "I" (whose
 * prototype is "l") map to "i". Sorted by code point for binary search. */
#ifndef SGW_TEXTNORM_DATA_H
#define SGW_TEXTNORM_DATA_H

#include <stdint.h>

struct case_confusable {
    uint32_t cp;
    char latin;
};

static const struct case_confusable case_confusables[] = {
    {0x00B5, 'm'},  /* µ */
    {0x0185, 'b'},  /* ƅ */
    {0x0280, 'r'},  /* ʀ */
    {0x029D, 'j'},  /* ʝ */
    {0x03B2, 'b'},  /* β */
    {0x03B5, 'e'},  /* ε */
    {0x03B6, 'z'},  /* ζ */
    {0x03B7, 'h'},  /* η */
    {0x03BA, 'k'},  /* κ */
    {0x03BC, 'm'},  /* μ */
    {0x03C4, 't'},  /* τ */
    {0x03C7, 'x'},  /* χ */
    {0x03D0, 'b'},  /* ϐ */
    {0x03DD, 'f'},  /* ϝ */
    {0x03F0, 'k'},  /* ϰ */
    {0x03F5, 'e'},  /* ϵ */
    {0x03FB, 'm'},  /* ϻ */
    {0x0432, 'b'},  /* в */
    {0x043A, 'k'},  /* к */
    {0x043C, 'm'},  /* м */
    {0x043D, 'h'},  /* н */
    {0x0442, 't'},  /* т */
    {0x044C, 'b'},  /* ь */
    {0x050D, 'g'},  /* ԍ */
    {0x057F, 's'},  /* տ */
    {0x13FB, 'g'},  /* ᏻ */
    {0x13FC, 'b'},  /* ᏼ */
    {0x1C80, 'b'},  /* ᲀ */
    {0x1C82, 'o'},  /* ᲂ */
    {0x1C83, 'c'},  /* ᲃ */
    {0x1C84, 't'},  /* ᲄ */
    {0x1C85, 't'},  /* ᲅ */
    {0x2C8F, 'h'},  /* ⲏ */
    {0x2C93, 'i'},  /* ⲓ */
    {0x2C95, 'k'},  /* ⲕ */
    {0x2C99, 'm'},  /* ⲙ */
    {0x2C9B, 'n'},  /* ⲛ */
    {0x2CA7, 't'},  /* ⲧ */
    {0x2CA9, 'y'},  /* ⲩ */
    {0x2CAD, 'x'},  /* ⲭ */
    {0x2CD1, 'i'},  /* ⳑ */
    {0xA7B5, 'b'},  /* ꞵ */
    {0xAB53, 'x'},  /* ꭓ */
    {0xAB70, 'd'},  /* ꭰ */
    {0xAB71, 'r'},  /* ꭱ */
    {0xAB72, 't'},  /* ꭲ */
    {0xAB79, 'y'},  /* ꭹ */
    {0xAB7A, 'a'},  /* ꭺ */
    {0xAB7B, 'j'},  /* ꭻ */
    {0xAB7C, 'e'},  /* ꭼ */
    {0xAB87, 'm'},  /* ꮇ */
    {0xAB8B, 'h'},  /* ꮋ */
    {0xAB8D, 'y'},  /* ꮍ */
    {0xAB90, 'g'},  /* ꮐ */
    {0xAB92, 'h'},  /* ꮒ */
    {0xAB9F, 'b'},  /* ꮟ */
    {0xABA2, 'r'},  /* ꮢ */
    {0xABA4, 'w'},  /* ꮤ */
    {0xABA5, 's'},  /* ꮥ */
    {0xABAE, 'i'},  /* ꮮ */
    {0xABB2, 'p'},  /* ꮲ */
    {0xABB6, 'k'},  /* ꮶ */
    {0xABB7, 'd'},  /* ꮷ */
    {0xFF42, 'b'},  /* ｂ */
    {0xFF4B, 'k'},  /* ｋ */
    {0xFF4D, 'm'},  /* ｍ */
    {0xFF4E, 'n'},  /* ｎ */
    {0xFF54, 't'},  /* ｔ */
    {0xFF5A, 'z'},  /* ｚ */
    {0x10443, 'i'}, /* 𐑃 */
    {0x104DC, 'r'}, /* 𐓜 */
    {0x118C9, 'z'}, /* 𑣉 */
    {0x118CE, 'e'}, /* 𑣎 */
    {0x118D2, 'i'}, /* 𑣒 */
};

#endif

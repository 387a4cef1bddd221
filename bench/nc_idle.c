/*
 * nc_idle.c - a do-nothing ncurses program, built the same way as the
 * kiosk: the bound for the kiosk's footprint (start-up, idle memory,
 * binary size). Draws one line and waits for a key.
 */
#include <curses.h>

int
main(void)
{
	initscr();
	cbreak();
	noecho();
	mvaddstr(0, 0, "ready");
	refresh();
	getch();
	endwin();
	return 0;
}
